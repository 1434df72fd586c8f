/**
 * Terraform reads every string in a configuration (HCL or JSON) as a
 * template: `${…}` is an interpolation and `%{…}` a directive. File contents
 * we render carry such text literally (Tornado's payload templates such as
 * `${@}`), and Terraform would reject them at plan ("Invalid character"), so
 * literal text must be escaped as `$${` and `%%{`. cdktf tokens (references
 * such as a generated webhook token) are embedded as `${TfToken[…]}` markers
 * until synthesis and must stay interpolations: they are left alone.
 */
const LITERAL_INTERPOLATION = /\$\{(?!TfToken\[)/g;
const LITERAL_DIRECTIVE = /%\{/g;

/** `text` with its literal `${` and `%{` escaped for Terraform; cdktf tokens inside it are kept. */
export function escapeTerraformTemplate(text: string): string {
  return text.replace(LITERAL_INTERPOLATION, () => "$${").replace(LITERAL_DIRECTIVE, () => "%%{");
}
