/* The embedding API: open a stack, configure it by command lines, read back. */
#include <stdlib.h>
#include <string.h>
#include "../lib/t.h"
#include "six/six.h"

TEST(open_configure_close)
{
    struct six_stack *st = six_stack_new("embed");
    char *out = NULL, *err = NULL;
    T_CHECK(st != NULL);
    T_EQ(six_command(st, NULL, "stats ip6.in_receives", &out, &err), 0);
    T_CHECK(out && !strcmp(out, "0\n"));
    free(out); free(err);
    T_EQ(six_command(st, NULL, "frobnicate", &out, &err), 2);
    T_CHECK(err && strstr(err, "unknown object"));
    free(out); free(err);
    T_EQ(six_command(st, NULL, "  # only a comment", NULL, NULL), 0);
    T_EQ(six_command(st, NULL, "ping 2001:db8::1", NULL, &err), 1);   /* needs an event loop */
    free(err);
    T_CHECK(six_stack_next_timeout_ms(st) >= 0);   /* the stack's housekeeping timer */
    six_stack_poll(st);
    six_stack_free(st);
}

int main(void)
{
    RUN(open_configure_close);
    return t_done();
}
