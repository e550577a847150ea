export { alertRunbookAnchors, FlywheelAlerts, type FlywheelAlertName, type FlywheelAlertsProps } from "./flywheel-alerts";
export { durationMilliseconds, prometheusDuration } from "./prometheus-duration";
export { monitorObjectLabels } from "./monitor-labels";
export { PodMonitor, type PodMonitorProps } from "./pod-monitor";
export { defaultMetricsPath, type ScrapeEndpoint } from "./scrape-endpoint";
export { ServiceMonitor, type ServiceMonitorProps } from "./service-monitor";
