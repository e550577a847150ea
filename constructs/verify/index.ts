export * from "./verify-platform";
