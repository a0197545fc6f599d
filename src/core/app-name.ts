/**
 * The application name: the first part of every stack and physical name (`whcsites-<environment>-...`, and the
 * secrets' and log groups' paths `/whcsites/<environment>/...`). In the core layer so that the stacks, which build on
 * each other's names, and the loader of the environment files, which guards the names the stacks own, all read it.
 */
export const APP_NAME = "whcsites";
