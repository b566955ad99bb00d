/**
 * The simulator client is the server repository's own (src/cabinets/simulator): one implementation of the
 * cabinet protocol for the tests and this page. It imports nothing from Node (the WebSocket constructor is a
 * parameter), so Vite bundles it and its message schemas as they are.
 */

export type { ServerAck, ServerMessage } from '../../../../../src/cabinets/protocol/messages';
export {
  CabinetSimulator,
  SimulatorError,
  type SimulatorSocketConstructor,
} from '../../../../../src/cabinets/simulator/cabinet-simulator';
