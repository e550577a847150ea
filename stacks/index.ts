import { loadStackConfig } from "./config/load";
import { pulumiConfigSource } from "./config/source";
import { defineStack } from "./program";

// Pulumi entry point: validate the whole stack config first, so a bad value stops `pulumi up`
// before any resource is declared.
export = defineStack(loadStackConfig(pulumiConfigSource(), "fail"));
