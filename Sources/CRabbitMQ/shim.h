// rabbitmq-c (librabbitmq-dev) for Swift: the library's headers, plus what Swift cannot import from them
// directly: amqp_login is variadic, and the method numbers and property flags are macros with casts.
#ifndef EVENTIDE_CRABBITMQ_SHIM_H
#define EVENTIDE_CRABBITMQ_SHIM_H

#include <amqp.h>
#include <amqp_framing.h>
#include <amqp_tcp_socket.h>

/// amqp_login with SASL PLAIN (user name and password).
static inline amqp_rpc_reply_t eventide_amqp_login_plain(amqp_connection_state_t state, const char *vhost,
                                                         int channel_max, int frame_max, int heartbeat,
                                                         const char *user, const char *password) {
    return amqp_login(state, vhost, channel_max, frame_max, heartbeat, AMQP_SASL_METHOD_PLAIN, user, password);
}

static const amqp_method_number_t eventide_amqp_basic_ack_method = AMQP_BASIC_ACK_METHOD;
static const amqp_method_number_t eventide_amqp_basic_nack_method = AMQP_BASIC_NACK_METHOD;
static const amqp_method_number_t eventide_amqp_basic_return_method = AMQP_BASIC_RETURN_METHOD;
static const amqp_method_number_t eventide_amqp_basic_cancel_method = AMQP_BASIC_CANCEL_METHOD;
static const amqp_method_number_t eventide_amqp_channel_close_method = AMQP_CHANNEL_CLOSE_METHOD;
static const amqp_method_number_t eventide_amqp_channel_close_ok_method = AMQP_CHANNEL_CLOSE_OK_METHOD;
static const amqp_method_number_t eventide_amqp_connection_close_method = AMQP_CONNECTION_CLOSE_METHOD;
static const amqp_method_number_t eventide_amqp_connection_close_ok_method = AMQP_CONNECTION_CLOSE_OK_METHOD;

static const amqp_flags_t eventide_amqp_content_type_flag = AMQP_BASIC_CONTENT_TYPE_FLAG;
static const amqp_flags_t eventide_amqp_content_encoding_flag = AMQP_BASIC_CONTENT_ENCODING_FLAG;
static const amqp_flags_t eventide_amqp_headers_flag = AMQP_BASIC_HEADERS_FLAG;
static const amqp_flags_t eventide_amqp_delivery_mode_flag = AMQP_BASIC_DELIVERY_MODE_FLAG;
static const amqp_flags_t eventide_amqp_priority_flag = AMQP_BASIC_PRIORITY_FLAG;
static const amqp_flags_t eventide_amqp_correlation_id_flag = AMQP_BASIC_CORRELATION_ID_FLAG;
static const amqp_flags_t eventide_amqp_reply_to_flag = AMQP_BASIC_REPLY_TO_FLAG;
static const amqp_flags_t eventide_amqp_expiration_flag = AMQP_BASIC_EXPIRATION_FLAG;
static const amqp_flags_t eventide_amqp_message_id_flag = AMQP_BASIC_MESSAGE_ID_FLAG;
static const amqp_flags_t eventide_amqp_timestamp_flag = AMQP_BASIC_TIMESTAMP_FLAG;
static const amqp_flags_t eventide_amqp_type_flag = AMQP_BASIC_TYPE_FLAG;
static const amqp_flags_t eventide_amqp_user_id_flag = AMQP_BASIC_USER_ID_FLAG;
static const amqp_flags_t eventide_amqp_app_id_flag = AMQP_BASIC_APP_ID_FLAG;

#endif
