// The SDK warns, once per process, that its 2027 releases will need Node 22; the tests run on Node 20
// on purpose (it is a supported engine), and the warning would bury the test output.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = "true";
