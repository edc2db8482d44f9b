# `sam build` runs one target per function of template.yaml (`BuildMethod: makefile`):
# `make --makefile <CodeUri>/Makefile build-<LogicalId>`, with ARTIFACTS_DIR set to the
# folder that becomes the function's code. Each target bundles the function's handler
# with scripts/build.mjs, the same build as `npm run build` (split chunks, the S3 and
# STS clients in a lazily loaded build of their own), into $(ARTIFACTS_DIR)/handlers/,
# which is why the template's Handler reads handlers/<name>.handler.
#
# SAM runs make in a scratch copy of CodeUri; the recipe runs in the Makefile's own
# folder instead, so the build uses this checkout's node_modules (`npm ci` first).

ROOT := $(patsubst %/,%,$(dir $(abspath $(lastword $(MAKEFILE_LIST)))))

# $(1): the handler's name, handlers/$(1).ts
define bundle
	cd "$(ROOT)" && node scripts/build.mjs --entry "handlers/$(1).ts" --outdir "$(ARTIFACTS_DIR)/handlers"
endef

.PHONY: build-FeedbackGateFunction build-SmokeTestFunction build-WaitForUrlFunction build-ReleaseNotesCheckFunction

build-FeedbackGateFunction:
	$(call bundle,feedback-gate)

build-SmokeTestFunction:
	$(call bundle,smoke-test)

build-WaitForUrlFunction:
	$(call bundle,wait-for-url)

build-ReleaseNotesCheckFunction:
	$(call bundle,release-notes-check)
