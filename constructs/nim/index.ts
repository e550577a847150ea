export * from "./nim-cache";
export * from "./nim-service";
export * from "./urls";
