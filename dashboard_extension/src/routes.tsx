/**
 * Every screen is a lazily loaded chunk. A screen folder's index.tsx exports a default component;
 * the ones under /segments, /coupons, /loyalty, /rfm receive the rest of the path and route
 * inside themselves with <Routes> (relative paths: "new", ":id").
 */
import { lazy } from "react";

export const Overview = lazy(() => import("./screens/overview"));
export const Segments = lazy(() => import("./screens/segments"));
export const Coupons = lazy(() => import("./screens/coupons"));
export const Loyalty = lazy(() => import("./screens/loyalty"));
export const Rfm = lazy(() => import("./screens/rfm"));
export const CustomerWidget = lazy(() => import("./screens/widgets/customer"));
export const HomeWidget = lazy(() => import("./screens/widgets/home"));
export const CustomerActionsPopup = lazy(() => import("./screens/popups/customer-actions"));
export const CustomersToSegmentPopup = lazy(() => import("./screens/popups/customers-to-segment"));

/** The router's basename: Vite's `base` without the trailing slash. */
export const BASENAME = import.meta.env.BASE_URL.replace(/\/$/, "");
