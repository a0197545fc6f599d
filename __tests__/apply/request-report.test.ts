import { requestReport } from "../../scripts/lib/emulator/moto";

describe("requestReport (the emulator apply's summary of how the emulator took its requests)", () => {
  it("GIVEN no replayed retry THEN it says so in one line after the counts", () => {
    expect(requestReport({ requests: 5128, longestWaitMs: 41.5, retriesRun: 0, replayed: [] })).toEqual([
      "\nemulator requests: 5128, taken one at a time (longest wait 41.5 ms); SDK retries run again: 0",
      "  no retry of an answered request (no answer lost between the emulator and a client)",
    ]);
  });

  it("GIVEN replayed retries THEN each is named with its time, operation, attempt and status", () => {
    const lines = requestReport({
      requests: 10,
      longestWaitMs: 3,
      retriesRun: 1,
      replayed: [{ at: 120.04, action: "AuthorizeSecurityGroupEgress", attempt: 2, status: "200" }],
    });
    expect(lines[1]).toBe("  1 retr(ies) of a request the emulator had already answered, answered again instead of run twice (the first answer was lost on the way to the client):");
    expect(lines[2]).toBe("    120.0 s: AuthorizeSecurityGroupEgress (attempt 2, 200)");
  });

  it("GIVEN the counters could not be read THEN the summary says so instead of claiming nothing happened", () => {
    expect(requestReport(undefined)).toEqual(["\nemulator requests: the counters could not be read"]);
  });
});
