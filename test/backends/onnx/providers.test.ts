/**
 * The ONNX Runtime provider diagnosis (src/backends/onnx/providers.ts) on the CPU, with fake provider
 * files: a private copy of onnxruntime-node's binding folder (hard links, or copies across file
 * systems) named by TRT_PARITY_ORT_LIB_DIR, so nothing is written into node_modules.
 *
 * The oracles: the loader's and ONNX Runtime's own messages (each case makes the real failure happen
 * in a child process), onnxruntime-node's install script for the install switch, and its package.json
 * for the version. The ORT log lines quoted below were recorded from onnxruntime-node 1.30.0 on Linux x64
 * (the prefix and the two "Failed to load library" texts), except the one marked as constructed.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, linkSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { BackendError } from '../../../src/errors.js';
import { OnnxBackend } from '../../../src/backends/onnx/onnx-backend.js';
import { PROBE_INPUT, PROBE_MODEL_BASE64, PROBE_OUTPUT } from '../../../src/backends/onnx/provider-probe.js';
import {
  diagnoseOrtProviders, explainProviderFailure, ORT_LIB_DIR_ENV, ortLibDir, providerFiles, providerFixes, providerUnavailableHints, runProbe,
} from '../../../src/backends/onnx/providers.js';
import { cliPath, fixture, repoRoot } from '../../helpers/paths.js';

const ortRoot = join(repoRoot, 'node_modules', 'onnxruntime-node');
const ortVersion = (JSON.parse(readFileSync(join(ortRoot, 'package.json'), 'utf8')) as { version: string }).version;
const realDir = join(ortRoot, 'bin', 'napi-v6', process.platform, process.arch);
const linuxX64 = process.platform === 'linux' && process.arch === 'x64';
const hasCc = spawnSync('cc', ['--version'], { encoding: 'utf8' }).status === 0;
const SHARED = 'libonnxruntime_providers_shared.so';
const CUDA = 'libonnxruntime_providers_cuda.so';

/** A private binding folder: the binding and libonnxruntime.so.1 as real files (ORT finds providers next to the latter's real path). */
function bindingCopy(root: string, name: string): string {
  const dir = join(root, name);
  mkdirSync(dir);
  for (const f of ['onnxruntime_binding.node', 'libonnxruntime.so.1']) {
    try {
      linkSync(join(realDir, f), join(dir, f));
    } catch {
      copyFileSync(join(realDir, f), join(dir, f));
    }
  }
  return dir;
}

/** Compiles C source into a shared library; `libs` are linked (and so become NEEDED entries). */
function cc(source: string, out: string, extra: readonly string[] = []): void {
  const src = `${out}.c`;
  writeFileSync(src, source);
  const r = spawnSync('cc', ['-shared', '-fPIC', '-o', out, src, ...extra], { encoding: 'utf8' });
  assert.equal(r.status, 0, `cc failed: ${r.stderr}`);
}

describe('explainProviderFailure (ORT 1.30 log lines)', () => {
  const prefix = '\u001b[1;31m2026-12-02 02:44:04.234413963 [E:onnxruntime:onnxruntime-node, provider_bridge_ort.cc:2146 Create] /onnxruntime_src/onnxruntime/core/session/provider_bridge_ort.cc:1988 onnxruntime::Provider& onnxruntime::ProviderLibrary::Get() [ONNXRuntimeError] : 1 : FAIL : ';
  const message = 'OrtSessionOptionsAppendExecutionProvider_Cuda: Failed to load shared library';

  test('a missing CUDA dependency is named', () => {
    const stderr = `${prefix}Failed to load library /x/libonnxruntime_providers_cuda.so with error: libcudnn.so.9: cannot open shared object file: No such file or directory\n\u001b[m\n`;
    const e = explainProviderFailure(stderr, message);
    assert.equal(e.missingLibrary, 'libcudnn.so.9');
    assert.match(e.detail, /^OrtSessionOptionsAppendExecutionProvider_Cuda: Failed to load shared library \(Failed to load library \/x\/libonnxruntime_providers_cuda\.so with error: libcudnn\.so\.9: cannot open/);
    assert.doesNotMatch(e.detail, /\u001b/);
  });

  test('the provider library itself missing is not a missing dependency', () => {
    const stderr = `${prefix}Failed to load library /x/${SHARED} with error: /x/${SHARED}: cannot open shared object file: No such file or directory\n`;
    assert.equal(explainProviderFailure(stderr, message).missingLibrary, null);
  });

  test('without an ORT log line the message stands alone', () => {
    assert.deepEqual(explainProviderFailure('', message), { detail: message, missingLibrary: null });
  });

  // Constructed, not recorded (no GPU here): ORT's prefix above around a CUDA error text.
  test('another ORT error line is kept without its prefix', () => {
    const stderr = `${prefix}CUDA failure 100: no CUDA-capable device is detected ; GPU=0\n`;
    const e = explainProviderFailure(stderr, message);
    assert.match(e.detail, /\(CUDA failure 100: no CUDA-capable device is detected ; GPU=0\)$/);
  });
});

describe('providerFixes', () => {
  const lib = { dir: '/opt/ort', version: '1.30.0', packageRoot: '/app/node_modules/onnxruntime-node' };

  test("missing files: onnxruntime-node's own install switch, as its install script reads it", () => {
    const fixes = providerFixes('cuda', 'missing-files', lib);
    const utils = readFileSync(join(ortRoot, 'script', 'install-utils.js'), 'utf8');
    const metadata = readFileSync(join(ortRoot, 'script', 'install-metadata.js'), 'utf8');
    // The script's own names: the env variable it reads and the manifest it accepts on linux/x64.
    assert.match(utils, /process\.env\.ONNXRUNTIME_NODE_INSTALL\b/);
    assert.match(metadata, /'linux\/x64': \['cuda12'\]/);
    assert.ok(fixes.some((f) => f.includes('ONNXRUNTIME_NODE_INSTALL=cuda12 node /app/node_modules/onnxruntime-node/script/install.js')), fixes.join('\n'));
    assert.match(metadata, /Microsoft\.ML\.OnnxRuntime\.Gpu\.Linux/);
    assert.ok(fixes.some((f) => f.includes('Microsoft.ML.OnnxRuntime.Gpu.Linux 1.30.0')));
  });

  test('missing files: the matching onnxruntime-gpu wheel, the two files into the binding folder', () => {
    const fixes = providerFixes('cuda', 'missing-files', lib);
    assert.ok(fixes.some((f) => f.includes('pip download onnxruntime-gpu==1.30.0 --no-deps') && f.includes("'onnxruntime/capi/libonnxruntime_providers_*.so' -d /opt/ort")), fixes.join('\n'));
    assert.ok(fixes.some((f) => /CUDA 13 and cuDNN 9/.test(f) && /LD_LIBRARY_PATH/.test(f) && /site-packages\/nvidia\/\*\/lib/.test(f)));
  });

  test('a missing dependency: that library and where CUDA libraries come from', () => {
    const fixes = providerFixes('cuda', 'fails', lib, 'libcublasLt.so.13');
    assert.equal(fixes.length, 1);
    assert.match(fixes[0]!, /needs libcublasLt\.so\.13, which the loader did not find: .*LD_LIBRARY_PATH/);
  });

  test('present but failing: same version, driver, GPU', () => {
    const fixes = providerFixes('cuda', 'fails', lib);
    assert.ok(fixes.some((f) => /same version as onnxruntime-node/.test(f) && /1\.30\.0/.test(f)));
    assert.ok(fixes.some((f) => /driver/.test(f)));
  });

  test('tensorrt also needs TensorRT; an unknown or not-compiled provider gets no download advice', () => {
    assert.ok(providerFixes('tensorrt', 'missing-files', lib).some((f) => /libnvinfer\.so\.10/.test(f)));
    assert.deepEqual(providerFixes('coreml', 'fails', lib), []);
    assert.match(providerFixes('cuda', 'not-compiled', lib)[0]!, /no 'cuda' provider/);
  });
});

describe('ortLibDir', () => {
  test("onnxruntime-node's binding folder and version by default; the override wins", () => {
    const d = ortLibDir({});
    assert.ok(!('error' in d));
    assert.equal(d.dir, realDir);
    assert.equal(d.from, 'onnxruntime-node');
    assert.equal(d.version, ortVersion);
    const o = ortLibDir({ [ORT_LIB_DIR_ENV]: '/elsewhere' });
    assert.ok(!('error' in o));
    assert.equal(o.dir, '/elsewhere');
    assert.equal(o.from, ORT_LIB_DIR_ENV);
  });
});

describe('the probe model', () => {
  test('decodes to the documented ONNX bytes', async () => {
    const bytes = Buffer.from(PROBE_MODEL_BASE64, 'base64');
    const { createHash } = await import('node:crypto');
    assert.equal(bytes.length, 91);
    assert.equal(createHash('sha256').update(bytes).digest('hex'), '8057f7487f3da6f59e1f6c406c32ee83a8a2f5add71a0aca046e79c26af8920d');
    assert.deepEqual(PROBE_OUTPUT, PROBE_INPUT.map((x) => Math.max(0, x)));
  });
});

describe('diagnoseOrtProviders with fake provider files', { skip: linuxX64 ? false : 'the fake files are Linux x64 shared libraries' }, () => {
  let root: string;
  before(() => {
    root = mkdtempSync(join(tmpdir(), 'trt-parity-ort-providers-'));
  });
  after(() => rmSync(root, { recursive: true, force: true }));

  const diagnose = (dir: string, extra: NodeJS.ProcessEnv = {}, timeoutMs?: number) =>
    diagnoseOrtProviders({ env: { ...process.env, [ORT_LIB_DIR_ENV]: dir, ...extra }, ...(timeoutMs === undefined ? {} : { timeoutMs }) });
  const cudaOf = (s: Awaited<ReturnType<typeof diagnose>>) => {
    const c = s.providers.find((p) => p.name === 'cuda');
    assert.ok(c, `no cuda entry among ${s.providers.map((p) => p.name).join(', ')}`);
    return c;
  };

  test('no provider files: compiled in, both files missing, not probed, the two ways to get them', async () => {
    const dir = bindingCopy(root, 'none');
    const s = await diagnose(dir);
    assert.equal(s.error, null);
    assert.equal(s.libDir, dir);
    assert.equal(s.libDirFrom, ORT_LIB_DIR_ENV);
    assert.equal(s.version, ortVersion);
    const cpu = s.providers.find((p) => p.name === 'cpu');
    assert.deepEqual([cpu?.compiledIn, cpu?.bundled], [true, true]);
    const c = cudaOf(s);
    assert.deepEqual([c.compiledIn, c.bundled], [true, false]);
    assert.deepEqual(c.files.map((f) => [f.name, f.bytes]), [[SHARED, null], [CUDA, null]]);
    assert.equal(c.load.outcome, 'not-probed');
    assert.ok(c.fixes.some((f) => f.includes(`pip download onnxruntime-gpu==${ortVersion}`) && f.includes(`-d ${dir}`)));
    assert.ok(c.fixes.some((f) => f.includes('ONNXRUNTIME_NODE_INSTALL=cuda12')));
  });

  test('garbage provider files: present, do not load, the loader says why', async () => {
    const dir = bindingCopy(root, 'garbage');
    writeFileSync(join(dir, SHARED), Buffer.alloc(4096, 0x5a));
    writeFileSync(join(dir, CUDA), '');
    const s = await diagnose(dir);
    const c = cudaOf(s);
    assert.deepEqual(c.files.map((f) => f.bytes), [4096, 0]);
    assert.equal(c.load.outcome, 'fails');
    // glibc's dlopen on a file that is no ELF object.
    assert.match(c.load.detail, new RegExp(`Failed to load library ${join(dir, SHARED).replace(/[.]/g, '\\.')} with error: .*invalid ELF header`));
    assert.equal(c.missingLibrary, null);
    assert.ok(c.fixes.some((f) => /same version as onnxruntime-node/.test(f)));
  });

  test('a provider library whose dependency is missing: that library is named, and LD_LIBRARY_PATH fixes it', { skip: hasCc ? false : 'no C compiler' }, async () => {
    const dir = bindingCopy(root, 'needs-cudnn');
    const stubs = join(root, 'cudnn-stub');
    mkdirSync(stubs);
    cc('int cudnnGetVersion(void) { return 0; }\n', join(stubs, 'libcudnn.so.9'), ['-Wl,-soname,libcudnn.so.9']);
    cc('extern int cudnnGetVersion(void);\nint uses_cudnn(void) { return cudnnGetVersion(); }\n', join(dir, SHARED), [join(stubs, 'libcudnn.so.9')]);
    writeFileSync(join(dir, CUDA), '');
    const missing = cudaOf(await diagnose(dir, { LD_LIBRARY_PATH: '' }));
    assert.equal(missing.load.outcome, 'fails');
    assert.equal(missing.missingLibrary, 'libcudnn.so.9');
    assert.match(missing.fixes[0]!, /needs libcudnn\.so\.9/);
    // With the folder on the loader path the library loads, and ORT gets one step further: our stub
    // is no provider bridge.
    const found = cudaOf(await diagnose(dir, { LD_LIBRARY_PATH: stubs }));
    assert.equal(found.load.outcome, 'fails');
    assert.equal(found.missingLibrary, null);
    assert.match(found.load.detail, /undefined symbol: Provider_SetHost/);
  });

  test('a provider library that crashes while loading: reported, doctor survives', { skip: hasCc ? false : 'no C compiler' }, async () => {
    const dir = bindingCopy(root, 'crash');
    cc('#include <signal.h>\n__attribute__((constructor)) static void boom(void) { raise(SIGSEGV); }\n', join(dir, SHARED));
    writeFileSync(join(dir, CUDA), '');
    const c = cudaOf(await diagnose(dir));
    assert.equal(c.load.outcome, 'crashed');
    assert.match(c.load.detail, /killed by SIGSEGV/);
  });

  test('a provider library that hangs while loading: killed at the timeout', { skip: hasCc ? false : 'no C compiler' }, async () => {
    const dir = bindingCopy(root, 'hang');
    cc('#include <unistd.h>\n__attribute__((constructor)) static void stall(void) { sleep(600); }\n', join(dir, SHARED));
    writeFileSync(join(dir, CUDA), '');
    const t0 = Date.now();
    const c = cudaOf(await diagnose(dir, {}, 4000));
    assert.equal(c.load.outcome, 'timeout');
    assert.match(c.load.detail, /did not finish within 4 s/);
    assert.ok(Date.now() - t0 < 30_000);
  });

  test('a folder without a binding: one error, no throw', async () => {
    const s = await diagnose(join(root, 'does-not-exist'));
    assert.deepEqual(s.providers, []);
    assert.match(s.error ?? '', /does not load: Cannot find module .*onnxruntime_binding\.node/);
  });

  test('the CPU provider loads in the probe and computes the probe model', async () => {
    const p = await runProbe(realDir, 'cpu');
    assert.equal(p.outcome, 'loads', p.detail);
    assert.ok((p.result?.ms ?? -1) > 0);
  });
});

describe('--onnx-provider cuda without a loadable CUDA provider', { skip: linuxX64 ? false : 'Linux x64 only' }, () => {
  // Where onnxruntime-node's CUDA files happen to be installed, this cannot be shown.
  const filesHere = providerFiles('cuda', realDir).every((f) => f.bytes !== null);

  test('OnnxBackend.open: provider-unavailable naming the missing files and the install switch, never a CPU fallback', { skip: filesHere ? 'the CUDA provider files are installed here' : false }, async () => {
    await assert.rejects(OnnxBackend.open(fixture('models', 'affine.onnx'), { provider: 'cuda' }), (e: unknown) => {
      assert.ok(e instanceof BackendError);
      assert.equal(e.reason, 'provider-unavailable');
      assert.ok(e.hints.some((h) => h.includes(`${SHARED} and ${CUDA} are not in ${realDir}`)), e.hints.join('\n'));
      assert.ok(e.hints.some((h) => h.includes('ONNXRUNTIME_NODE_INSTALL=cuda12')));
      assert.ok(e.hints.some((h) => h.includes(`onnxruntime-gpu==${ortVersion}`)));
      return true;
    });
  });

  test('providerUnavailableHints says the files are there when they are', () => {
    const root = mkdtempSync(join(tmpdir(), 'trt-parity-ort-hints-'));
    try {
      writeFileSync(join(root, SHARED), 'x');
      writeFileSync(join(root, CUDA), 'x');
      const hints = providerUnavailableHints('cuda', { [ORT_LIB_DIR_ENV]: root });
      assert.match(hints[0]!, /doctor says which library/);
      assert.ok(!hints.some((h) => /pip download/.test(h)));
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });

  test('the CLI exits 3 with the fix and no stack trace', { skip: filesHere ? 'the CUDA provider files are installed here' : false }, () => {
    assert.ok(existsSync(cliPath), 'build first: npx tsc -p .');
    const r = spawnSync(process.execPath, [cliPath, 'bench', fixture('models', 'affine.onnx'), '--shape', 'x=1x3x4x4', '--onnx-provider', 'cuda', '--duration', '0.1'], { encoding: 'utf8', timeout: 60_000 });
    assert.equal(r.status, 3, r.stderr);
    assert.match(r.stderr, /execution provider 'cuda' is not available/);
    assert.match(r.stderr, /ONNXRUNTIME_NODE_INSTALL=cuda12/);
    assert.doesNotMatch(r.stderr, /\n\s+at /);
    assert.equal(r.stdout, '', 'nothing was measured');
  });
});
