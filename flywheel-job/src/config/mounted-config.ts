/** Where the CronJob mounts the job configuration (its ConfigMap), and where `flywheel run` reads it by default. */
export const mountedConfigPath = "/etc/flywheel/config.yaml";
