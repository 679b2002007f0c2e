/** The agent's version, sent at enrollment; kept in step with node-agent/package.json. */
export const AGENT_VERSION = "0.1.0";
