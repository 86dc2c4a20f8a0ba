package simulator

import "github.com/easlab/easlab/eas"

// commandHandlers maps each command to its handler: one explicit table, so
// that New can check that every command a profile advertises is served.
var commandHandlers = map[eas.Command]handlerFunc{
	eas.CommandFolderSync:        handleFolderSync,
	eas.CommandFolderCreate:      handleFolderCreate,
	eas.CommandFolderUpdate:      handleFolderUpdate,
	eas.CommandFolderDelete:      handleFolderDelete,
	eas.CommandSync:              handleSync,
	eas.CommandGetItemEstimate:   handleGetItemEstimate,
	eas.CommandPing:              handlePing,
	eas.CommandProvision:         handleProvision,
	eas.CommandSettings:          handleSettings,
	eas.CommandSendMail:          handleSendMail,
	eas.CommandSmartReply:        handleSmartReply,
	eas.CommandSmartForward:      handleSmartForward,
	eas.CommandItemOperations:    handleItemOperations,
	eas.CommandGetAttachment:     handleGetAttachment,
	eas.CommandMoveItems:         handleMoveItems,
	eas.CommandMeetingResponse:   handleMeetingResponse,
	eas.CommandSearch:            handleSearch,
	eas.CommandFind:              handleFind,
	eas.CommandResolveRecipients: handleResolveRecipients,
	eas.CommandValidateCert:      handleValidateCert,
	eas.CommandGetHierarchy:      handleGetHierarchy,
	eas.CommandCreateCollection:  handleCreateCollection,
	eas.CommandDeleteCollection:  handleDeleteCollection,
	eas.CommandMoveCollection:    handleMoveCollection,
}
