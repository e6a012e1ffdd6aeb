import ContentEncoding
import MetadataDocuments
import RefreshStore
import SecretHiding

/// Rewrites what earlier versions stored in clear under today's secret
/// policy: metadata with secrets (and the unsalted hashes `--redact-metadata`
/// kept) becomes keyed digests, metadata that is not JSON is dropped (its
/// digest keyed), and `--redact` values leave the command lines.
enum SecretScrub {
  static func run(_ store: HistoryStore, key: [UInt8]?) throws {
    let secrets = SecretDigests(key: key)
    try store.scrubSecrets(
      content: { bytes in
        guard let json = JSONValue.parse(bytes) else { return (nil, secrets.digest(bytes)) }
        let spans = SecretPolicy.spans(for: [json])
        guard SecretPolicy.holdsSecrets(json, spans: spans) else { return nil }
        return (Array(SecretPolicy.masking(json, spans: spans, token: secrets.token).text.utf8), secrets.digest(bytes))
      },
      commandLine: { line in
        guard line.contains("--redact"), case .array(let values)? = JSONValue.parse(Array(line.utf8)) else {
          return nil
        }
        let arguments = values.compactMap { value -> String? in
          if case .string(let text) = value { return text }
          return nil
        }
        return JSONText.array(CommandLineMask.masked(arguments))
      })
  }
}
