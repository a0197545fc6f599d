// Runs TypeScript in plain node without type-checking (`npm run typecheck` does that once): sucrase strips the types
// and turns imports into require(). Modern syntax (`?.`, `??`, class fields) stays native, as tsconfig's ES2022 target
// has it; lowering it costs a helper call at every `?.`. The output is cached by content, so a repeated synth skips
// the transform (it was about 170 ms of a 750 ms synth); a file's older versions leave the cache when it changes.
// Sucrase keeps line numbers, so stack traces point at the right lines without source maps.
const crypto = require("crypto");
const fs = require("fs");
const path = require("path");
const { addHook } = require("pirates");

const OPTIONS = { transforms: ["typescript", "imports"], disableESTransforms: true };
const SALT = `${require("sucrase/package.json").version}:${JSON.stringify(OPTIONS)}`;
// WHCSITES_TS_CACHE_DIR moves the cache (tests use a temporary one).
const CACHE_DIR = process.env.WHCSITES_TS_CACHE_DIR ?? path.join(__dirname, "..", "node_modules", ".cache", "whcsites-ts");

const ENTRY = /^[0-9a-f]{24}-[0-9a-f]{40}\.js$/;
const sha256 = (...parts) => parts.reduce((hash, part) => hash.update(part), crypto.createHash("sha256")).digest("hex");

addHook(
  (code, filePath) => {
    // `<source key>-<content key>.js`: one source file's older versions share the prefix and are pruned below.
    const sourceKey = sha256(SALT, filePath).slice(0, 24);
    const entry = `${sourceKey}-${sha256(code).slice(0, 40)}.js`;
    const cached = path.join(CACHE_DIR, entry);
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
      for (const other of fs.readdirSync(CACHE_DIR)) {
        const stale = other.startsWith(`${sourceKey}-`) || !ENTRY.test(other); // an older version, or an older scheme
        if (stale && other !== entry && other.endsWith(".js")) fs.rmSync(path.join(CACHE_DIR, other), { force: true });
      }
    } catch {
      // a read-only checkout still works, just without the cache
    }
    return output;
  },
  { exts: [".ts"], ignoreNodeModules: true },
);
