/**
 * A gate that does nothing, through `invokeAction` with default options: the cost of
 * the engine alone (parse, Job, deadline, report, log line), without any gate's code.
 */
import { invokeAction } from '../src/index.js';

export const handler = invokeAction({ run() {} });
