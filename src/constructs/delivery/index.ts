export { GithubOidcProvider, githubOidcProviderArn } from "./github-oidc-provider";
export type { GithubOidcProviderProps } from "./github-oidc-provider";
export { GithubPlanRole, githubPlanRoleName, PLAN_ROLE_DENIED_ACTIONS } from "./github-plan-role";
export type { GithubPlanRoleProps } from "./github-plan-role";
export { GithubDeployRole, githubDeployBoundaryArn, githubDeployBoundaryName, githubDeployRoleName } from "./github-deploy-role";
export type { GithubDeployRoleProps } from "./github-deploy-role";
export { GithubRepository } from "./github-repository";
export type { GithubRepositoryProps } from "./github-repository";
