// The tag the Relay compiler looks for. At run time an application would use the `graphql`
// of `react-relay`/`relay-runtime`; here only the compiler reads these documents.
export function graphql(strings: TemplateStringsArray): string {
  return strings.join('');
}
