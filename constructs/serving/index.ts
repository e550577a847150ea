export * from "./serving-model";
export * from "./verify-serving";
