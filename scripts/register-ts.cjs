// Runs TypeScript in plain node without type-checking (`npm run typecheck` does that once): sucrase strips the types
// and turns imports into require(). Modern syntax (`?.`, `??`, class fields) stays native, as tsconfig's ES2022 target
// has it; lowering it costs a helper call at every `?.`. The output is cached by content, so a repeated synth skips
// the transform (it was about 170 ms of a 750 ms synth). Sucrase keeps line numbers, so stack traces point at the
// right lines without source maps.
const crypto = require("crypto");
const fs = require("fs");
const path = require("path");
const { addHook } = require("pirates");

const OPTIONS = { transforms: ["typescript", "imports"], disableESTransforms: true };
const SALT = `${require("sucrase/package.json").version}:${JSON.stringify(OPTIONS)}`;
const CACHE_DIR = path.join(__dirname, "..", "node_modules", ".cache", "whcsites-ts");

addHook(
  (code, filePath) => {
    const key = crypto.createHash("sha256").update(SALT).update(filePath).update(code).digest("hex");
    const cached = path.join(CACHE_DIR, `${key}.js`);
    try {
      return fs.readFileSync(cached, "utf8");
    } catch {
      // not cached yet
    }
    // Loaded on a cache miss only: sucrase is about 60 modules.
    const { transform } = require("sucrase");
    const output = transform(code, { ...OPTIONS, filePath }).code;
    try {
      fs.mkdirSync(CACHE_DIR, { recursive: true });
      const temporary = `${cached}.${process.pid}`;
      fs.writeFileSync(temporary, output);
      fs.renameSync(temporary, cached); // atomic: parallel runs never read half a file
    } catch {
      // a read-only checkout still works, just without the cache
    }
    return output;
  },
  { exts: [".ts"], ignoreNodeModules: true },
);
