// The test cluster's sandbox image (images/README.md): what the pause
// program of registry.k8s.io/pause does, in Go, built static.
module vilicus.dev/images/pause

go 1.26
