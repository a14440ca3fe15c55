/**
 * @packageDocumentation
 * Contract test suites for TickerML's interfaces, runnable with any test runner:
 * `import { eventBusContract } from '@tickerml/core/testing'`.
 */
export {
  type ContractMessage,
  type ContractTest,
  ContractViolation,
  type EventBusContractOptions,
  eventBusContract,
} from './bus-contract.js';
