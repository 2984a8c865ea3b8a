/// <reference types="vitest/config" />
import react from "@vitejs/plugin-react";
import { defineConfig } from "vite";

// Where `npm run dev` sends API calls: a Saleor serving this plugin (the demo by default).
const saleorUrl = process.env.SALEOR_URL || "http://127.0.0.1:8000";
const proxyTarget = { target: saleorUrl, changeOrigin: true };

// Third-party code that every screen needs goes to long-cached vendor chunks; each screen
// is its own lazily loaded chunk (see src/routes.tsx).
function vendorChunk(id: string): string | undefined {
  if (!id.includes("node_modules")) return undefined;
  if (/node_modules\/(react|react-dom|scheduler|react-router|react-router-dom)\//.test(id)) {
    return "react";
  }
  if (id.includes("node_modules/@saleor/macaw-ui") || id.includes("@vanilla-extract") || id.includes("@radix-ui")) {
    return "macaw";
  }
  return undefined;
}

export default defineConfig({
  base: "/plugins/saleor-crm-plugin/app/",
  plugins: [react()],
  build: {
    outDir: "../saleor_crm_plugin/static_app",
    emptyOutDir: true,
    sourcemap: false,
    chunkSizeWarningLimit: 600,
    rollupOptions: {
      output: {
        manualChunks: vendorChunk,
      },
    },
  },
  server: {
    port: 5173,
    proxy: {
      "/graphql/": proxyTarget,
      "/plugins/saleor-crm-plugin/graphql": proxyTarget,
      "/plugins/saleor-crm-plugin/export": proxyTarget,
      "/plugins/saleor-crm-plugin/manifest": proxyTarget,
    },
  },
  preview: {
    port: 4173,
    proxy: {
      "/graphql/": proxyTarget,
      "/plugins/saleor-crm-plugin/graphql": proxyTarget,
      "/plugins/saleor-crm-plugin/export": proxyTarget,
    },
  },
  test: {
    environment: "jsdom",
    globals: false,
    setupFiles: ["./src/test/setup.ts"],
    include: ["src/**/*.test.{ts,tsx}"],
    css: false,
    // the machine is shared: first renders of lazily loaded screens can take seconds
    testTimeout: 20_000,
  },
});
