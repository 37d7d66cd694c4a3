// Fails at once, with the fix, when the Node running the project's scripts is older than effect 4 and vitest 5 need.
// The repository carries Node 22 as the devDependency `node`: `npm install` puts it on the PATH of every `npm run`
// script, so a machine that only has an older Node (Node 20 here) still runs the suite on 22.
const [major, minor] = process.versions.node.split(".").map(Number)
if (major < 22 || (major === 22 && minor < 19)) {
  console.error(
    `effect-otp needs Node >= 22.19 (effect 4 and vitest 5 do), but this script runs on Node ${process.versions.node}.\n` +
      `The repository installs Node 22 as a devDependency: run \`npm install\` (or \`npm ci\`) without --ignore-scripts,\n` +
      `so that the \`node\` package's install script (approved in package.json's allowScripts) can put it in\n` +
      `node_modules/.bin, then run the command through npm (\`npm test\`, \`npm start\`). Or use Node 22.19+ or 24.`
  )
  process.exit(1)
}
