/** The one AppBridge instance of this window (created lazily, only inside the Dashboard iframe). */
import { AppBridge } from "@saleor/app-sdk/app-bridge";

let instance: AppBridge | null = null;

export function isInIframe(): boolean {
  try {
    return window.top !== window;
  } catch {
    return true; // cross-origin parent: certainly framed
  }
}

export function getBridge(): AppBridge {
  if (!instance) {
    // notifyReady is sent by AuthProvider once its subscriptions are in place:
    // the Dashboard answers it with the handshake carrying the token.
    instance = new AppBridge({ autoNotifyReady: false });
  }
  return instance;
}

/** For tests. */
export function setBridgeForTests(bridge: AppBridge | null): void {
  instance = bridge;
}
