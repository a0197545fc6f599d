/**
 * The application name: the first part of every stack and physical name. A file of its own, so that the environment
 * stack and the GitHub stack, which build on each other's names, both read it without importing each other.
 */
export const APP_NAME = "whcsites";
