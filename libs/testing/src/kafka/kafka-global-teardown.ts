import { stopSharedKafkaBroker } from './kafka-shared-broker';

/** jest `globalTeardown`, the pair of kafka-global-setup.ts. */
export default stopSharedKafkaBroker;
