export * from "./image";
export * from "./nim-cache";
export * from "./nim-service";
export * from "./resources";
export * from "./urls";
