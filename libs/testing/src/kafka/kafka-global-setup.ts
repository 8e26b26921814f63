import { launchSharedKafkaBroker } from './kafka-shared-broker';

/** jest `globalSetup`: `globalSetup: '<rootDir>/libs/testing/src/kafka/kafka-global-setup.ts'`. */
export default launchSharedKafkaBroker;
