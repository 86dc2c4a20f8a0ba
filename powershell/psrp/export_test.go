package psrp

// The two paths of ParsePipeline, for the tests that hold them to each
// other.
var (
	ParsePipelineFast    = parsePipelineFast
	ParsePipelineGeneric = parsePipelineGeneric
)
