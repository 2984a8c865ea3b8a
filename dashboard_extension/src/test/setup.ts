import { configure } from "@testing-library/dom";

import { cleanup } from "@testing-library/react";
import { afterEach } from "vitest";

import { resetSession } from "../auth/store";

// lazily loaded screens are transformed on first use: give findBy*/waitFor time on a busy machine
configure({ asyncUtilTimeout: 5000 });

afterEach(() => {
  cleanup();
  resetSession();
  sessionStorage.clear();
  localStorage.clear();
});

// jsdom lacks these; macaw-ui's popovers and the charts measure elements.
if (!("ResizeObserver" in globalThis)) {
  class RO {
    observe() {}
    unobserve() {}
    disconnect() {}
  }
  (globalThis as unknown as { ResizeObserver: typeof RO }).ResizeObserver = RO;
}
if (!window.matchMedia) {
  window.matchMedia = ((query: string) => ({
    matches: false,
    media: query,
    onchange: null,
    addListener() {},
    removeListener() {},
    addEventListener() {},
    removeEventListener() {},
    dispatchEvent: () => false,
  })) as unknown as typeof window.matchMedia;
}
