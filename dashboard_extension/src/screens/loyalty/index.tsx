/** /loyalty */
import { LoyaltyScreen } from "./LoyaltyScreen";

export default function Loyalty() {
  return <LoyaltyScreen />;
}
