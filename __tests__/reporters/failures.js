/**
 * Jest reporter of `npm test`: a test file's output (its console and its failures) only when it fails, as Jest's own
 * "agent" reporter prints it. Named here, not as "agent", so that Jest does not add its summary, whose snapshot hint
 * is wrong for this repository: summary.js prints the summary instead.
 */
module.exports = require("@jest/reporters").AgentReporter;
