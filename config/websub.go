package config

// BuiltinHubPath is where the built-in WebSub hub (websub.builtin) takes
// requests, under base_url: the path feeds advertise it at
// (publisher) and the path it is served at (websub.HubPath).
const BuiltinHubPath = "/websub/hub"
