import { App } from "cdktf";
import { floorStack } from "./floor-stack";

// The floor as a cdktf app, run by exactly the runners main.ts is measured
// with (node scripts/synth.js, ts-node, npx cdktf synth --app).
const app = new App();
floorStack(app);
app.synth();
