import { normalizeCall } from "../../scripts/lib/permissions/recording";

const ACCOUNT = "123456789012";

describe("normalizing a recorded call", () => {
  test("GIVEN two runs' replicated automated backups (ids RDS generates) WHEN normalized THEN both read the same, so the committed recording stays stable", () => {
    // GIVEN the ids two emulator runs gave the same replicated backup
    const call = (id: string) => ({ action: "rds:DescribeDBInstanceAutomatedBackups", resource: `arn:aws:rds:eu-central-1:${ACCOUNT}:auto-backup:${id}` });
    // WHEN
    const first = normalizeCall(call("ab-oef732asb4gaczhr6ynxwoqm4z"), { account: ACCOUNT });
    const second = normalizeCall(call("ab-swkg74edxcrbskiy5r4rienbyt"), { account: ACCOUNT });
    // THEN
    expect(first.resource).toBe("arn:aws:rds:eu-central-1:{account}:auto-backup:ab-{id}");
    expect(second).toEqual(first);
  });
});
