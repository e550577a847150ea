export { alertRunbookAnchors, alertThresholds, FlywheelAlerts, type AlertThreshold, type AlertThresholdName, type FlywheelAlertName, type FlywheelAlertsProps, stackCertificates, type StackCertificateName } from "./flywheel-alerts";
export { ElasticsearchExporter, elasticsearchExporterComponent, elasticsearchExporterPort, type ElasticsearchExporterProps } from "./elasticsearch-exporter";
export { durationMilliseconds, prometheusDuration } from "./prometheus-duration";
export { monitorObjectLabels } from "./monitor-labels";
export { PodMonitor, type PodMonitorProps } from "./pod-monitor";
export { defaultMetricsPath, type ScrapeBasicAuth, type ScrapeEndpoint } from "./scrape-endpoint";
export { ServiceMonitor, type ServiceMonitorProps } from "./service-monitor";
