import { Lazy, Tokenization } from "cdktf";
import { configureTokenStackTraces, TOKEN_STACK_TRACES_VARIABLE } from "../src/token-stack-traces";

/** Where cdktf says a new token was created. */
function creationStackOfNewToken(): string[] {
  const token = Lazy.stringValue({ produce: () => "x" });
  const resolvable = Tokenization.reverseString(token).firstToken;
  if (resolvable === undefined) throw new Error("no token");
  return resolvable.creationStack;
}

describe("configureTokenStackTraces", () => {
  afterEach(() => configureTokenStackTraces({ [TOKEN_STACK_TRACES_VARIABLE]: "1" }));

  test("by default cdktf no longer records where a token was created, and says how to turn it back on", () => {
    // WHEN configured without the variable
    const off = configureTokenStackTraces({});
    // THEN a new token carries the hint instead of a stack trace
    expect(off).toBe(true);
    expect(creationStackOfNewToken()).toEqual([`(token creation stack traces are off; set ${TOKEN_STACK_TRACES_VARIABLE}=1 to record them)`]);
  });

  test(`${TOKEN_STACK_TRACES_VARIABLE}=1 records them again`, () => {
    // GIVEN traces turned off first
    configureTokenStackTraces({});
    // WHEN turned on
    const off = configureTokenStackTraces({ [TOKEN_STACK_TRACES_VARIABLE]: "1" });
    // THEN a new token's creation stack names this file
    expect(off).toBe(false);
    expect(creationStackOfNewToken().some((frame) => frame.includes("token-stack-traces.test.ts"))).toBe(true);
  });
});
