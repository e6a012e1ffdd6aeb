// swift-tools-version:6.0
import PackageDescription

// Linux only: the runner is built on signalfd, pidfd, prctl and /proc.

let package = Package(
  name: "os-refresh-config",
  products: [
    .executable(name: "os-refresh-config", targets: ["os-refresh-config"])
  ],
  dependencies: [
    // Pinned exactly rather than by a committed Package.resolved: the copies
    // this project builds from carry commit ids of their own, so a resolved
    // file made here would name revisions that exist nowhere else.
    .package(url: "https://github.com/apple/swift-argument-parser", exact: "1.8.2"),
  ],
  targets: [
    .systemLibrary(
      name: "CSQLite",
      pkgConfig: "sqlite3",
      providers: [.apt(["libsqlite3-dev"])]
    ),
    // The few Linux calls Swift cannot make directly: variadic prctl, signalfd,
    // and a vfork/execve spawn that resets every signal in the child.
    .target(name: "CSystemShims"),
    // One libstdc++ function the static Swift runtime calls and Debian 11's
    // libstdc++ (GCC 10) lacks, compiled in only by the sysroot build.
    .target(name: "CxxCompat"),
    // The domain's words: phases, run/phase/script statuses, output streams.
    .target(name: "RefreshVocabulary"),
    // The one POSIX layer: the EINTR funnel, owned descriptors, small files,
    // regular expressions, clocks and time formats. Glibc is imported here only.
    .target(name: "SystemInterface", dependencies: ["CSystemShims"]),
    // What records are made of, below the store: JSON text (RFC 8259),
    // SHA-256 and HMAC, content digests and chunks, a file's identity. No
    // module imports the store to quote a string or hash a file.
    .target(name: "ContentEncoding", dependencies: ["CSystemShims", "SystemInterface"]),
    .target(
      name: "RefreshStore",
      dependencies: ["FileWatch", "CSQLite", "ContentEncoding", "CSystemShims", "RefreshVocabulary", "SystemInterface"],
      exclude: [],
      resources: [.embedInCode("Migrations")]
    ),
    .target(name: "RefreshRunner", dependencies: ["CSystemShims", "RefreshVocabulary", "SystemInterface"]),
    // What a refresh does to the node's files: the watched paths, stat
    // scans that never follow a link, and what differs between two of them.
    .target(name: "FileWatch", dependencies: ["ContentEncoding", "CSystemShims", "RefreshVocabulary", "SystemInterface"]),
    // Metadata documents: JSON parsed keeping key order and numbers as
    // written, skimmed lazily, and the keys scripts and templates read.
    .target(name: "MetadataDocuments", dependencies: ["ContentEncoding", "CSystemShims", "SystemInterface"]),
    // The one home for hiding secrets: which names and values are secret
    // (SecretPolicy, CredentialSpans), --redact's linear-time expressions
    // and output redaction, a run's known secret values, and the one masker
    // of command lines. Recording, diff, views, status and exporters call it.
    .target(name: "SecretHiding", dependencies: ["ContentEncoding", "CSystemShims", "MetadataDocuments", "SystemInterface"]),
    // Bridges the runner and the store: records a run's events.
    .target(
      name: "RunHistory",
      dependencies: ["SystemInterface", "SecretHiding", "ContentEncoding", "CSystemShims", "MetadataDocuments", "RefreshRunner", "RefreshStore", "RefreshVocabulary", "FileWatch"]),
    // What changed between runs: inputs (JSON keys, masked secrets), scripts, outputs.
    .target(
      name: "RunForensics", dependencies: ["FileWatch", "SecretHiding", "ContentEncoding", "MetadataDocuments", "RefreshStore", "RefreshVocabulary", "SystemInterface"]),
    // What leaves the node: a run as an OpenTelemetry trace (OTLP JSON), the
    // Prometheus metrics file, and the files they are written to.
    .target(
      name: "RunTelemetry", dependencies: ["ContentEncoding", "MetadataDocuments", "RefreshRunner", "RefreshStore", "RefreshVocabulary", "SystemInterface"]),
    // What a refresh does now: the lock's holder (/proc/locks), the running
    // script's processes and what they wait on, progress against the
    // history's typical durations. Read only: never takes the lock.
    .target(
      name: "RunWatch",
      dependencies: ["SecretHiding", "MetadataDocuments", "RefreshRunner", "RefreshStore", "RefreshVocabulary", "SystemInterface"]),
    // A refresh from start to end, as the command asks for it: console,
    // lock, recorder, run, and the files left for the fleet.
    .target(
      name: "RefreshSession",
      dependencies: ["ContentEncoding", "FileWatch", "SecretHiding",
        "RefreshRunner", "RefreshStore", "RefreshVocabulary", "RunForensics", "RunHistory", "RunTelemetry", "RunViews",
        "SystemInterface",
      ]),
    // The command line's own plumbing: option ranges, sizes and instants as
    // typed, the help and man page prose, shell completion candidates.
    .target(
      name: "CommandLineSupport", dependencies: ["RefreshRunner", "RefreshStore", "RefreshVocabulary", "SystemInterface"]),
    // Renderings of run records: human tables and reports, the JSON contract,
    // the console log, time arguments. Tests call it without the binary.
    .target(
      name: "RunViews",
      dependencies: ["SecretHiding", "ContentEncoding", 
        "CSystemShims", "MetadataDocuments", "RefreshRunner", "RefreshStore", "RefreshVocabulary", "RunForensics", "RunTelemetry",
        "RunWatch", "SystemInterface",
      ]
    ),
    .executableTarget(
      name: "os-refresh-config",
      dependencies: ["SecretHiding", 
        "CommandLineSupport",
        "CxxCompat",
        "RefreshRunner",
        "RefreshSession",
        "RefreshStore",
        "RefreshVocabulary",
        "RunForensics",
        "RunTelemetry",
        "RunViews",
        "RunWatch",
        "SystemInterface",
        .product(name: "ArgumentParser", package: "swift-argument-parser"),
      ]
    ),
    // Fills a history with synthetic runs through the store's API, for bench/.
    .executableTarget(
      name: "orc-history-generator",
      dependencies: ["ContentEncoding", "CxxCompat", "FileWatch", "RefreshStore", "RefreshVocabulary", "SystemInterface"]),
    // What every test target shares: temporary directories, the binaries
    // and how to run them, the reference side by side, the JSON contract.
    .target(
      name: "TestSupport",
      dependencies: ["RefreshRunner", "RefreshSession", "RefreshStore", "RefreshVocabulary", "SystemInterface"],
      path: "Tests/TestSupport"
    ),
    .testTarget(name: "RefreshVocabularyTests", dependencies: ["RefreshVocabulary", "RefreshStore", "TestSupport"]),
    .testTarget(name: "ContentEncodingTests", dependencies: ["CSystemShims", "ContentEncoding"]),
    .testTarget(name: "SystemInterfaceTests", dependencies: ["SystemInterface", "TestSupport"]),
    .testTarget(
      name: "RefreshRunnerTests",
      dependencies: ["CSystemShims", "RefreshRunner", "RefreshVocabulary", "SystemInterface", "TestSupport"]
    ),
    .testTarget(
      name: "RefreshStoreTests", dependencies: ["SystemInterface", "ContentEncoding", "CSQLite", "CSystemShims", "FileWatch", "RefreshStore", "RefreshVocabulary", "TestSupport"]),
    .testTarget(
      name: "RunHistoryTests",
      dependencies: ["FileWatch", "SecretHiding", "ContentEncoding", "RunHistory", "RefreshRunner", "RefreshStore", "RefreshVocabulary", "SystemInterface", "TestSupport"]
    ),
    .testTarget(
      name: "RefreshSessionTests",
      dependencies: ["RefreshRunner", "RefreshSession", "RefreshVocabulary", "SystemInterface", "TestSupport"]),
    .testTarget(
      name: "CommandLineSupportTests", dependencies: ["CommandLineSupport", "RefreshVocabulary", "TestSupport"]),
    .testTarget(name: "FileWatchTests", dependencies: ["FileWatch", "RefreshVocabulary", "SystemInterface", "TestSupport"]),
    .testTarget(name: "SecretHidingTests", dependencies: ["MetadataDocuments", "SecretHiding", "SystemInterface"]),
    .testTarget(
      name: "RunForensicsTests", dependencies: ["SecretHiding", "ContentEncoding", "MetadataDocuments", "RefreshStore", "RunForensics", "SystemInterface", "TestSupport"]),
    .testTarget(
      name: "RunViewsTests",
      dependencies: [
        "SecretHiding", "ContentEncoding", "RefreshRunner", "RefreshStore", "RunForensics", "RunTelemetry", "RunViews",
        "RunWatch", "TestSupport", "FileWatch", "RefreshVocabulary",
      ]),
    .testTarget(
      name: "RunTelemetryTests",
      dependencies: ["RunTelemetry", "RefreshRunner", "RefreshStore", "RefreshVocabulary", "SystemInterface", "TestSupport"]
    ),
    .testTarget(
      name: "RunWatchTests",
      dependencies: ["SecretHiding", "RefreshRunner", "RefreshStore", "RunWatch", "SystemInterface", "TestSupport"]
    ),
    .testTarget(
      name: "os-refresh-configTests",
      dependencies: ["SecretHiding", "ContentEncoding", "os-refresh-config", "RefreshRunner", "RefreshStore", "RefreshVocabulary", "TestSupport"]
    ),
  ]
)
