import type * as pulumi from "@pulumi/pulumi";
import * as tls from "@pulumi/tls";

/**
 * The CA this stack owns (created by LogStore, which declared it first): it signs the server
 * certificates of the in-cluster data services, so a client in any namespace trusts one CA, which
 * outlives the renewals of the certificates it signed.
 */
export interface StackCertificateAuthority {
  readonly certPem: pulumi.Output<string>;
  readonly privateKeyPem: pulumi.Output<string>;
  /**
   * When the CA's certificate expires (RFC 3339), which its expiry alert is rendered with: nothing
   * re-issues it, unlike the certificates it signs.
   */
  readonly notAfter: pulumi.Output<string>;
}

/** The names a server certificate is issued for. */
export interface ServerCertificateSubject {
  /** Every DNS name clients reach the server by. */
  readonly dnsNames: pulumi.Input<pulumi.Input<string>[]>;
  readonly commonName: string;
  /**
   * IP addresses clients reach the server by (a sidecar on the pod's loopback).
   * @default none
   */
  readonly ipAddresses?: readonly string[];
  /**
   * The server also presents the certificate as a client, to its peers: MongoDB's members do, and
   * refuse a peer's certificate whose extended key usage lacks `client_auth`.
   * @default false
   */
  readonly clientAuth?: boolean;
}

/** A server certificate the stack's CA signed, its private key, and when it expires. */
export interface ServerCertificate {
  readonly certPem: pulumi.Output<string>;
  readonly privateKeyPem: pulumi.Output<string>;
  /** When the certificate expires (RFC 3339), which its expiry alert is rendered with. */
  readonly notAfter: pulumi.Output<string>;
}

/** Every server certificate's key: ECDSA P-256, which every client the stack runs accepts. */
const serverKeyAlgorithm = { algorithm: "ECDSA", ecdsaCurve: "P256" } as const;

/**
 * A key and a certificate for a TLS server, signed by the stack's CA: valid two years, re-issued by
 * the first `pulumi up` in its last 90 days. Its three resources (key, request, certificate) are all
 * named `name`, under `opts.parent`.
 */
export function issueServerCertificate(name: string, ca: StackCertificateAuthority, subject: ServerCertificateSubject, opts: pulumi.CustomResourceOptions): ServerCertificate {
  const key = new tls.PrivateKey(name, serverKeyAlgorithm, opts);
  const request = new tls.CertRequest(name, {
    privateKeyPem: key.privateKeyPem,
    dnsNames: subject.dnsNames,
    ...(subject.ipAddresses ? { ipAddresses: [...subject.ipAddresses] } : {}),
    subject: { commonName: subject.commonName },
  }, opts);
  const cert = new tls.LocallySignedCert(name, {
    certRequestPem: request.certRequestPem,
    caPrivateKeyPem: ca.privateKeyPem,
    caCertPem: ca.certPem,
    validityPeriodHours: 2 * 365 * 24,
    // `pulumi up` in the last 90 days of the certificate's life issues a new one.
    earlyRenewalHours: 90 * 24,
    allowedUses: ["digital_signature", "key_encipherment", "server_auth", ...(subject.clientAuth ? ["client_auth"] : [])],
  }, opts);
  return { certPem: cert.certPem, privateKeyPem: key.privateKeyPem, notAfter: cert.validityEndTime };
}
