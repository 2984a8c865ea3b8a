/** /coupons, /coupons/new, /coupons/:id */
import { Route, Routes } from "react-router-dom";

import { ListScreen } from "./ListScreen";
import { RuleScreen } from "./RuleScreen";

export default function CouponsScreen() {
  return (
    <Routes>
      <Route index element={<ListScreen />} />
      <Route path="new" element={<RuleScreen />} />
      <Route path=":id" element={<RuleScreen />} />
    </Routes>
  );
}
