// GraphQL Code Generator: TypeScript types and typed documents for the operations in
// src/operations/, checked against the server's committed schema (../../schema.graphql).
import type { CodegenConfig } from "@graphql-codegen/cli";

const config: CodegenConfig = {
  schema: "../../schema.graphql",
  documents: ["src/operations/*.graphql"],
  generates: {
    "src/generated/": {
      preset: "client",
      config: { enumsAsTypes: true, useTypeImports: true },
      presetConfig: { fragmentMasking: false },
    },
  },
  ignoreNoDocuments: false,
  // Node ESM needs `.js` in relative imports.
  emitLegacyCommonJSImports: false,
};

export default config;
