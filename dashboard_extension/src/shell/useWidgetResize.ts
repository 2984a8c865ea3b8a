/**
 * Report a widget's content height to the Dashboard (AppBridge `widgetResize`, Dashboard ≥ 3.23.7)
 * whenever it changes, so the iframe fits its content. Pass a wrapper element, not body/html.
 */
import { reportWidgetHeightFromElement } from "@saleor/app-sdk/app-bridge";
import { type RefObject, useEffect } from "react";

import { useSession } from "../auth/AuthProvider";

export function useWidgetResize(ref: RefObject<HTMLElement>) {
  const { bridge, mode, status } = useSession();
  useEffect(() => {
    const root = ref.current;
    if (mode !== "iframe" || !bridge || !root) return;
    let raf = 0;
    const post = () => {
      cancelAnimationFrame(raf);
      raf = requestAnimationFrame(() => reportWidgetHeightFromElement(bridge, root));
    };
    post();
    const observer = new ResizeObserver(post);
    observer.observe(root);
    return () => {
      cancelAnimationFrame(raf);
      observer.disconnect();
    };
  }, [ref, bridge, mode, status]);
}
