// Validate one .glb with the Khronos glTF validator; print its JSON report on stdout.
// Usage: node validate.js FILE.glb  (exit status 0 when the report has no errors)
const fs = require("fs");
const validator = require("gltf-validator");

const path = process.argv[2];
const data = new Uint8Array(fs.readFileSync(path));
validator
  .validateBytes(data, { uri: path, maxIssues: 200 })
  .then((report) => {
    process.stdout.write(JSON.stringify(report, null, 1));
    process.exit(report.issues.numErrors === 0 ? 0 : 1);
  })
  .catch((error) => {
    process.stderr.write(`validation failed to run: ${error}\n`);
    process.exit(2);
  });
