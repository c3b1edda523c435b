// Type-aware linting: the rules that catch lost promises and thrown non-errors matter most
// in a service whose work is asynchronous end to end.
import js from "@eslint/js";
import tseslint from "typescript-eslint";

export default tseslint.config(
  { ignores: ["node_modules/", ".tools/", "dist/", "coverage/", "bench/results/", "helm/", "examples/"] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      "@typescript-eslint/no-floating-promises": "error",
      "@typescript-eslint/no-misused-promises": "error",
      "@typescript-eslint/only-throw-error": "error",
      "@typescript-eslint/consistent-type-imports": "error",
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
      "no-console": "off",
    },
  },
  { files: ["**/*.js"], ...tseslint.configs.disableTypeChecked },
  // Importing @kubernetes/client-node costs each worker ≈ 70–84 MiB; Ferry reads kubeconfigs
  // itself (src/kube/kubeconfig.ts). Tests and benches may use it as an independent client.
  {
    files: ["src/**", "workers/**"],
    rules: {
      "no-restricted-imports": [
        "error",
        { paths: [{ name: "@kubernetes/client-node", message: "use src/kube/kubeconfig.ts (memory)" }] },
      ],
    },
  },
  // The UI's one browser script (served as is, no build step).
  {
    files: ["src/ui/static/*.js"],
    languageOptions: {
      sourceType: "script",
      globals: {
        document: "readonly",
        window: "readonly",
        location: "readonly",
        fetch: "readonly",
        DOMParser: "readonly",
        EventSource: "readonly",
      },
    },
  },
);
