package summarizer

import (
	"net/http"
	"net/url"

	"github.com/sashabaranov/go-openai"
)

// NewAzureClient returns a go-openai client for Azure OpenAI: endpoint is
// the resource's (e.g. https://NAME.openai.azure.com), apiKey goes in the
// api-key header, apiVersion in every request's api-version, and the model
// passed to the Summarizer (Options.Model) is the deployment's name. A nil
// httpClient means a default client without a total timeout.
func NewAzureClient(endpoint, apiKey, apiVersion string, httpClient *http.Client) *openai.Client {
	cfg := openai.DefaultAzureConfig(apiKey, endpoint)
	cfg.APIVersion = apiVersion
	// go-openai's default mapper strips "." and ":" from model names (a
	// convention for gpt-3.5 deployments); a deployment is named by the
	// operator, so it is used as written, only escaped for the path.
	cfg.AzureModelMapperFunc = url.PathEscape
	if httpClient != nil {
		cfg.HTTPClient = httpClient
	}
	return openai.NewClientWithConfig(cfg)
}
