/** The segment screens: /segments (list and ready-made segments), /segments/new and
 * /segments/:id (builder, members, entries and exits). */
import { Route, Routes, useParams } from "react-router-dom";

import { SegmentBuilder } from "./SegmentBuilder";
import { SegmentList } from "./SegmentList";

function Existing() {
  const { id } = useParams();
  return <SegmentBuilder key={id} id={id} />;
}

export default function SegmentsScreen() {
  return (
    <Routes>
      <Route index element={<SegmentList />} />
      <Route path="new" element={<SegmentBuilder />} />
      <Route path=":id" element={<Existing />} />
    </Routes>
  );
}
