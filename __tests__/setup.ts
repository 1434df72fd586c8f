// cdktf's jest matchers (toHaveResourceWithProperties, toBeValidTerraform, …).
// eslint-disable-next-line @typescript-eslint/no-require-imports
require("cdktf").Testing.setupJest();
