'use strict';
// The boundary with the addon: loads the prebuilt addon for this platform (named as
// `napi build --platform` names it) and turns whatever it throws into the package's errors, so
// users never see a napi error. Private to the package.

const errors = require('./errors.js');

const { platform, arch } = process;

function libc() {
  // The report's header names the glibc version when Node runs on glibc, and nothing on musl.
  return process.report.getReport().header.glibcVersionRuntime ? '-gnu' : '-musl';
}

const abi = platform === 'linux' ? libc() : platform === 'win32' ? '-msvc' : '';
const fileName = `argos-addon.${platform}-${arch}${abi}.node`;

function load() {
  try {
    return require(`./${fileName}`);
  } catch (err) {
    if (err.code !== 'MODULE_NOT_FOUND') throw err;
    throw new Error(
      `argos-addon has no prebuilt addon for ${platform}-${arch}${abi} (looked for node/${fileName}); ` +
        'build one from a source checkout with `make node-addon`',
    );
  }
}

/** The addon's payload in a napi error's message, or `null` for napi's own errors. */
function payloadOf(err) {
  try {
    const payload = JSON.parse(err.message);
    return typeof payload?.class === 'string' ? payload : null;
  } catch {
    return null;
  }
}

/** The package's error for anything the addon threw: its payload names the class. */
function fromNative(err) {
  if (err instanceof errors.ArgosError) return err; // raised by the face itself
  const payload = payloadOf(err);
  if (payload === null) {
    // napi's own: an argument of a type the face let through, or a failure of napi itself.
    const refused = err.code === 'InvalidArg' || /Expected$/.test(err.code);
    return new (refused ? errors.ValidationError : errors.ArgosError)(err.message);
  }
  const cls = Object.hasOwn(errors, payload.class) ? errors[payload.class] : errors.ArgosError;
  const cause = payload.cause == null ? undefined : new Error(payload.cause);
  return new cls(payload.message, { ...payload, cause });
}

/** Runs a synchronous addon call. */
function call(fn) {
  try {
    return fn();
  } catch (err) {
    throw rethrown(err, call);
  }
}

/**
 * The package's error for what an addon call threw or rejected with; its stack starts at the
 * caller of `caller` (in an async method, at the user's `await`).
 */
function rethrown(err, caller) {
  const converted = fromNative(err);
  Error.captureStackTrace(converted, caller);
  return converted;
}

if (require.main === module) {
  // `node node/native.js` names the file, so the Makefile's development build lands where
  // `load` looks.
  console.log(fileName);
} else {
  module.exports = { addon: load(), call, fromNative, payloadOf, rethrown };
}
