export type { NemoDatabase, NemoServiceProps, NemoVolume } from "./common";
export * from "./customizer";
export * from "./customizer-config";
export * from "./datastore";
export * from "./datastore-secrets";
export * from "./entitystore";
export * from "./evaluator";
export * from "./guardrail";
export * from "./images";
