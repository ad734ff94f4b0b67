# The TypeScript SDK (js/sdk, @postq/sdk) and the dashboard's files.
#
#   make sdk-js    npm ci (from the committed lockfile) and the TypeScript build into js/sdk/dist/
#   make web       the dashboard as postq-api serves it: web/* and the SDK's browser build
#                  (one ES module bundled by esbuild, postq-sdk.js) in build/web/
#
# A Node.js the SDK supports (20.19 or later) is on PATH, or in .tools/node/bin where
# scripts/install-deps.sh puts one on machines whose own Node.js is older.

export PATH := $(CURDIR)/.tools/node/bin:$(PATH)

SDK_DIR      := js/sdk
SDK_SRCS     := $(wildcard $(SDK_DIR)/src/*.ts)
SDK_TESTS    := $(wildcard $(SDK_DIR)/test/*.ts)
SDK_MODULES  := $(SDK_DIR)/node_modules/.package-lock.json
SDK_DIST     := $(SDK_DIR)/dist/index.js
SDK_TEST_OUT := $(SDK_DIR)/build-test/.built
WEB_O        := build/web
WEB_SRCS     := $(wildcard web/*.html web/*.js web/*.css web/*.svg)
WEB_FILES    := $(WEB_SRCS:web/%=$(WEB_O)/%) $(WEB_O)/postq-sdk.js

.PHONY: sdk-js web sdk-js-pack
sdk-js: $(SDK_DIST)
web: $(WEB_FILES)

# npm ci only when the lockfile changed since the last install.
$(SDK_MODULES): $(SDK_DIR)/package-lock.json $(SDK_DIR)/package.json
	cd $(SDK_DIR) && npm ci --no-audit --no-fund --loglevel=error
	@touch $@

$(SDK_DIST): $(SDK_SRCS) $(SDK_DIR)/tsconfig.json $(SDK_MODULES)
	rm -rf $(SDK_DIR)/dist
	cd $(SDK_DIR) && node_modules/.bin/tsc -p tsconfig.json

# The unit tests, compiled with the package's own TypeScript (tsconfig.test.json).
$(SDK_TEST_OUT): $(SDK_TESTS) $(SDK_SRCS) $(SDK_DIR)/tsconfig.test.json $(SDK_MODULES)
	rm -rf $(SDK_DIR)/build-test
	cd $(SDK_DIR) && node_modules/.bin/tsc -p tsconfig.test.json
	@touch $@

$(WEB_O)/%: web/%
	@mkdir -p $(@D)
	cp $< $@

# Browser build: ES2022, one file, no source read from anywhere but this repository and the
# locked node_modules.
$(WEB_O)/postq-sdk.js: $(SDK_SRCS) $(SDK_MODULES)
	@mkdir -p $(@D)
	$(SDK_DIR)/node_modules/.bin/esbuild $(SDK_DIR)/src/index.ts --bundle --format=esm \
	    --platform=browser --target=es2022 --minify --legal-comments=eof \
	    --log-level=warning --outfile=$@

# An installable tarball: build/postq-sdk-VERSION.tgz.
sdk-js-pack: $(SDK_DIST)
	@mkdir -p build
	cd $(SDK_DIR) && npm pack --pack-destination ../../build --loglevel=error
