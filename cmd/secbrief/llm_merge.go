package main

import (
	"github.com/secbrief/secbrief/digest"
	"github.com/secbrief/secbrief/summarizer"
)

// mergeJudge is the digests' LLM judge of unsure story pairs when
// digest.llm_merge is on, and nil (no judge) when it is off.
func mergeJudge(on bool, sum *summarizer.Summarizer) digest.MergeJudge {
	if !on {
		return nil
	}
	return summarizer.NewJudge(sum)
}
