/** /rfm */
import { RfmScreen } from "./RfmScreen";

export default function Rfm() {
  return <RfmScreen />;
}
